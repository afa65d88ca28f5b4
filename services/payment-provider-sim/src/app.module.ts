import { Module } from '@nestjs/common';
import { Ledger } from './payments/ledger';
import { PaymentsController } from './payments/payments.controller';

@Module({
  controllers: [PaymentsController],
  providers: [{ provide: Ledger, useValue: new Ledger() }],
})
export class AppModule {}
